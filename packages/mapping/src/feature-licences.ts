import {
  type AttributeSource,
  type ExpressionAst,
  evaluateExpression,
  IGNORED,
  parseExpression,
} from '@provision/expressions';
import type { MappingConfig } from './config/schema.ts';
import { describeExpressionError } from './config/semantic-checks.ts';
import { sameValue } from './diff.ts';
import type { CurrentSalesforceUser, DecideOptions, EntraUser, Reason, SalesforceFieldValue } from './types.ts';

/**
 * Salesforce's feature licences: a checkbox on User each (`UserPermissions<FeatureType>`), counted
 * per org. The list is ActiveFeatureLicenseMetric's `FeatureType` picklist (Object Reference, API
 * 52.0+), each value prefixed with `UserPermissions`, with the label Setup shows (Company
 * Information → Feature Licenses). `UserPermissionsCallCenterAutoLogin` is a User checkbox too, but
 * a setting, not a licence.
 */
export const FEATURE_LICENSES: Readonly<Record<string, string>> = {
  UserPermissionsAvantgoUser: 'AvantGo User',
  UserPermissionsChatterAnswersUser: 'Chatter Answers User',
  UserPermissionsInteractionUser: 'Flow User',
  UserPermissionsJigsawProspectingUser: 'Data.com User',
  UserPermissionsKnowledgeUser: 'Knowledge User',
  UserPermissionsLiveAgentUser: 'Chat User',
  UserPermissionsMarketingUser: 'Marketing User',
  UserPermissionsMobileUser: 'Apex Mobile User',
  UserPermissionsOfflineUser: 'Offline User',
  UserPermissionsSFContentUser: 'Salesforce CRM Content User',
  UserPermissionsSiteforceContributorUser: 'Site.com Contributor User',
  UserPermissionsSiteforcePublisherUser: 'Site.com Publisher User',
  UserPermissionsSupportUser: 'Service Cloud User',
  UserPermissionsWirelessUser: 'Wireless User',
  UserPermissionsWorkDotComUserFeature: 'WDC User',
};

/** Whether `field` is a feature licence's User checkbox. */
export function isFeatureLicense(field: string): boolean {
  return Object.hasOwn(FEATURE_LICENSES, field);
}

/** A feature licence's label (`Marketing User`), or the field itself when unknown. */
export function featureLicenseLabel(field: string): string {
  return FEATURE_LICENSES[field] ?? field;
}

/** Every feature licence the mapping's rules name (Provision's to manage), sorted. */
export function namedFeatureLicenses(config: MappingConfig): string[] {
  return [...new Set(config.featureLicenseRules.flatMap((r) => r.featureLicenses))].sort();
}

// Parsed once per text (a rule is evaluated for every user); the config check proved they parse.
const asts = new Map<string, ExpressionAst>();
function astOf(text: string): ExpressionAst {
  let ast = asts.get(text);
  if (!ast) {
    ast = parseExpression(text);
    if (asts.size > 1_000) asts.clear();
    asts.set(text, ast);
  }
  return ast;
}

/**
 * The feature licences the rules grant the user: a rule applies when the user is a direct member
 * of its `group` (if it names one) and its `when` expression yields true (if it has one). An
 * expression that fails grants nothing and is reported.
 */
export function grantedFeatureLicenses(
  user: EntraUser,
  source: AttributeSource,
  config: MappingConfig,
  options: DecideOptions,
  reasons: Reason[],
): string[] {
  const groups = new Set(user.memberOf);
  const out = new Set<string>();
  config.featureLicenseRules.forEach((rule, i) => {
    if (rule.group !== undefined && !groups.has(rule.group)) return;
    if (rule.when !== undefined) {
      try {
        const value = evaluateExpression(astOf(rule.when), source, options.expression ?? {});
        const yes = value === true || (typeof value === 'string' && value.toLowerCase() === 'true');
        if (value === IGNORED || !yes) return;
      } catch (e) {
        reasons.push({
          code: 'expression-failed',
          severity: 'warning',
          field: rule.featureLicenses[0],
          message: `featureLicenseRules[${i}].when: ${describeExpressionError(e)}; the rule grants nothing`,
        });
        return;
      }
    }
    for (const f of rule.featureLicenses) out.add(f);
  });
  return [...out].sort();
}

/**
 * The desired value of each feature licence field: true for the ones granted; under
 * `entitlementModes.featureLicense: authoritative`, false for every other licence the rules name
 * (so one an admin ticked in Salesforce is unticked with the user's next command). Licences no rule
 * names are never touched.
 */
export function featureLicenseFields(
  granted: readonly string[],
  config: MappingConfig,
): Record<string, SalesforceFieldValue> {
  const out: Record<string, SalesforceFieldValue> = {};
  if (config.entitlementModes.featureLicense === 'authoritative') {
    for (const f of namedFeatureLicenses(config)) out[f] = false;
  }
  for (const f of granted) out[f] = true;
  return out;
}

/**
 * Under merge, the licences Provision granted that no rule grants any more, unticked where the
 * user still holds them (as far as `current` says). Under authoritative the desired fields already
 * untick them.
 */
export function revokedFeatureLicenses(
  desired: readonly string[],
  current: CurrentSalesforceUser,
  granted: readonly string[],
): Record<string, SalesforceFieldValue> {
  const want = new Set(desired);
  const out: Record<string, SalesforceFieldValue> = {};
  for (const f of granted) {
    if (!want.has(f) && !sameValue(f, false, current[f] ?? null)) out[f] = false;
  }
  return out;
}
