// `portcullis` command line: start the platform, check config files, mint demo tokens.
import { runStart } from './commands/start.ts';
import { runConfigValidate } from './commands/config-validate.ts';
import { runTokenMint } from './commands/token-mint.ts';
import { CliError } from './cli-error.ts';

const USAGE = `usage: portcullis <command> [options]

commands:
  start [--config FILE] [--demo] [--listen HOST:PORT] [--tls-listen HOST:PORT --tls-cert FILE --tls-key FILE]
        [--trusted-proxies CIDR,...]      serve a declarative config (default: the demo platform)
  config validate FILE                    check a declarative file; lists every error with its path
  token mint CONSUMER [--config FILE] [--ttl SECONDS]
                                          sign a development JWT from the consumer's jwt credential
`;

const commands: Record<string, (args: string[]) => Promise<number>> = {
  start: runStart,
  'config validate': runConfigValidate,
  'token mint': runTokenMint,
};

async function main(argv: string[]): Promise<number> {
  const two = argv.slice(0, 2).join(' ');
  if (commands[two]) return commands[two](argv.slice(2));
  if (argv[0] && commands[argv[0]]) return commands[argv[0]](argv.slice(1));
  process.stderr.write(argv.length === 0 || argv[0] === '--help' || argv[0] === 'help' ? USAGE : `unknown command: ${argv.join(' ')}\n\n${USAGE}`);
  return argv.length === 0 || argv[0] === '--help' || argv[0] === 'help' ? 0 : 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0 || process.argv[2] !== 'start') process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof CliError) {
      process.stderr.write(`portcullis: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`portcullis: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
