import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, type IConstruct } from 'constructs';

/** Accepts one cdk-nag finding (`RuleId` or `RuleId[Finding]`) on a construct and its children, with the reason. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** Accepts a finding on a grantee when it is a construct (a function, a role), i.e. where the grant's policy lands. */
export function acknowledgeOnGrantee(grantee: iam.IGrantable, id: string, reason: string): void {
  if (Construct.isConstruct(grantee)) acknowledge(grantee, id, reason);
}

/** How cdk-nag names a resource's ARN in IAM5 findings, e.g. `<DataTableFDBAD0F2.Arn>`. */
export function nagArnRef(resource: CfnElement): string {
  return `<${Stack.of(resource).getLogicalId(resource)}.Arn>`;
}
