#!/usr/bin/env node
import { down, InfraError, status, up } from './index.ts';

// `infra up | down | status`. Progress goes to stderr; stdout carries only `NAME=value` lines
// (and, for status, the table), so `set -a; eval "$(./pnpmw -s infra up)"; set +a` works.
const USAGE = `usage: infra <up|down|status>
  up      start Kafka ${'(KRaft, 127.0.0.1:9092)'} and, if down, the machine's Redis and PostgreSQL;
          print KAFKA_BROKERS, REDIS_URL, DATABASE_URL
  down    stop what \`up\` started
  status  show what is up; exit 1 unless all three answer
Variables KAFKA_BROKERS, REDIS_URL, DATABASE_URL, when set, name servers that are already provided.`;

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'up': {
      const settings = await up();
      for (const [name, value] of Object.entries(settings)) process.stdout.write(`${name}=${value}\n`);
      return 0;
    }
    case 'down':
      await down();
      return 0;
    case 'status': {
      const servers = await status();
      for (const s of servers) {
        const state = s.up ? 'up  ' : 'DOWN';
        process.stdout.write(`${s.name.padEnd(9)} ${state} ${s.variable}=${s.value}  [${s.origin}] ${s.detail}\n`);
      }
      return servers.every((s) => s.up) ? 0 : 1;
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      return command === undefined || command === '--help' || command === '-h' ? 0 : 2;
  }
}

try {
  process.exitCode = await main(process.argv[2]);
} catch (error) {
  const message = error instanceof InfraError ? error.message : ((error as Error).stack ?? String(error));
  process.stderr.write(`infra: ${message}\n`);
  process.exitCode = 1;
}
