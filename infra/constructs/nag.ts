import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { Construct, type IConstruct } from 'constructs';

/** Accepts one cdk-nag finding (`RuleId` or `RuleId[Finding]`) on a construct and its children, with the reason. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** Accepts a finding where a grant's policy lands: the grantee's principal (a function's role), or the grantee itself. */
export function acknowledgeOnGrantee(grantee: iam.IGrantable, id: string, reason: string): void {
  const principal: unknown = grantee.grantPrincipal;
  if (Construct.isConstruct(principal)) acknowledge(principal, id, reason);
  else if (Construct.isConstruct(grantee)) acknowledge(grantee, id, reason);
}

/** How cdk-nag names a resource's ARN in IAM5 findings, e.g. `<DataTableFDBAD0F2.Arn>`. */
export function nagArnRef(resource: CfnElement): string {
  return `<${Stack.of(resource).getLogicalId(resource)}.Arn>`;
}

/** How cdk-nag writes a resource string (an ARN with tokens) in a finding, e.g. `arn:<AWS::Partition>:chime:us-east-1:<AWS::AccountId>:sma/*`. */
export function nagResource(scope: IConstruct, value: string): string {
  return flattenCfnReference(Stack.of(scope).resolve(value));
}
