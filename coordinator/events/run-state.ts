/** RunController phases <-> the wire's RunState, both directions (events out, watchers in). */
import { RunState } from '../../proto/gen/qusop/v1/run_service_pb.js';
import type { RunPhase } from '../run/run-controller.js';

const TO_STATE: Record<RunPhase, RunState> = {
  PREPARED: RunState.RUNNING, RUNNING: RunState.RUNNING, AGGREGATING: RunState.AGGREGATING,
  SUCCEEDED: RunState.SUCCEEDED, FAILED: RunState.FAILED, CANCELLED: RunState.CANCELLED,
};

const TO_PHASE: Record<RunState, RunPhase> = {
  [RunState.UNSPECIFIED]: 'PREPARED', [RunState.RUNNING]: 'RUNNING', [RunState.AGGREGATING]: 'AGGREGATING',
  [RunState.SUCCEEDED]: 'SUCCEEDED', [RunState.FAILED]: 'FAILED', [RunState.CANCELLED]: 'CANCELLED',
};

export const runStateOf = (phase: RunPhase): RunState => TO_STATE[phase];
export const phaseOf = (state: RunState): RunPhase => TO_PHASE[state] ?? 'PREPARED';
export const isFinalPhase = (phase: RunPhase): boolean => phase === 'SUCCEEDED' || phase === 'FAILED' || phase === 'CANCELLED';
