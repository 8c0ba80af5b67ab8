import { pino, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';

export type Logger = PinoLogger;

export interface LoggerOptions {
  /**
   * Lines a person reads (pino-pretty as the destination stream, colours, local time), for a
   * terminal; otherwise one JSON object per line, for machines.
   */
  pretty?: boolean;
  /** Where the lines go (default stdout). */
  destination?: NodeJS.WritableStream;
}

export function createLogger(level: string, name = 'zjmall', opts: LoggerOptions = {}): Logger {
  if (!opts.pretty) return opts.destination ? pino({ level, name }, opts.destination) : pino({ level, name });
  return pino(
    { level, name },
    pretty({
      colorize: !opts.destination,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      ...(opts.destination ? { destination: opts.destination } : {}),
    }),
  );
}
