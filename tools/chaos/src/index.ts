export { type ChaosOptions, parseChaosArgs, USAGE } from './args.ts';
export {
  checkConvergence,
  expectationOf,
  type Finding,
  type OracleResult,
  type OrgUser,
  type RunHistory,
  type TenantView,
} from './oracle.ts';
export { type ChaosReport, exitCode, lastLine } from './report.ts';
export { type ChaosRun, runChaos } from './run.ts';
