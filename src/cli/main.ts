#!/usr/bin/env node
/**
 * The spikegrad command line. Errors caused by the user (unknown flag, bad value, unreadable file) print one
 * line and exit with code 2; no stack traces (set SPIKEGRAD_DEBUG=1 to see them).
 */
import { Command, CommanderError } from 'commander';
import { DivergedError } from '../experiments/train.js';
import { UserError } from '../util/errors.js';
import { VERSION } from '../version.js';
import { registerEval } from './eval.js';
import { registerNir } from './nir.js';
import { registerReproduce } from './reproduce.js';
import { registerTrain } from './train.js';

export function makeProgram(): Command {
  const program = new Command();
  program
    .name('spikegrad')
    .description('Train spiking neural networks for scientific machine learning with BPTT and randomized forward-mode gradients.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(`spikegrad: ${str.replace(/^error: /, '').trim()}\n`) })
    .showHelpAfterError(false);
  registerTrain(program);
  registerReproduce(program);
  registerEval(program);
  registerNir(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = makeProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2; // commander already printed its one-line message
    }
    if (process.env.SPIKEGRAD_DEBUG) console.error(e);
    if (e instanceof UserError) {
      process.stderr.write(`spikegrad: ${e.message}\n`);
      return 2;
    }
    if (e instanceof DivergedError) {
      process.stderr.write(`spikegrad: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`spikegrad: internal error: ${(e as Error).message ?? String(e)} (set SPIKEGRAD_DEBUG=1 for details)\n`);
    return 1;
  }
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
