/** Typed construction of a yargs command module: the handler sees exactly the builder's options. */
import type { Argv, ArgumentsCamelCase, CommandModule } from 'yargs';

export function defineCommand<A>(
  command: string,
  describe: string,
  builder: (y: Argv) => Argv<A>,
  handler: (args: ArgumentsCamelCase<A>) => Promise<void>,
): CommandModule {
  return { command, describe, builder: builder as CommandModule['builder'], handler: handler as CommandModule['handler'] };
}
