/**
 * What the rest of the server reads from the configuration. Kept as a narrow interface so that
 * commands and the node do not depend on how the configuration is parsed and stored.
 */
import type { LogLevel } from './log';

export interface ConfigReader {
  number(name: string): number;
  string(name: string): string;
  bool(name: string): boolean;
  loglevel(): LogLevel;
  /** The `bind` addresses (a leading '-' marks an optional one). */
  bindAddresses(): string[];
}
