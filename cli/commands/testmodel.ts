/** `qusop testmodel` — writes the known-answer TEST models (also run by `npm run build`). */
import type { Argv } from 'yargs';
import { defineCommand } from './define.js';

const builder = (y: Argv) => y.option('out', { type: 'string', default: 'models/testmodel/artifacts', describe: 'output directory' });

export const testmodelCommandModule = defineCommand('testmodel', 'Write the known-answer TEST trajectory models (QD and QW ONNX + cards)', builder, async (a) => {
  const { writeKnownAnswerModels } = await import('../../models/testmodel/write.js');
  const paths = await writeKnownAnswerModels(a.out);
  process.stdout.write(`${paths.qd}\n${paths.qw}\n`);
});
