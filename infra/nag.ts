import { Stack, Token, Validations, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag 3 runs as a CDK validation plugin and reads acknowledgements from the CDK's own
 * `Validations.of(scope).acknowledge()` (the v2 Aspect and NagSuppressions APIs are gone; do not mix).
 * Every acknowledgement names one rule, or one finding `Rule[Finding]`, and says why it is acceptable.
 */
export function acknowledgeNag(scope: IConstruct, id: `AwsSolutions-${string}`, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * How cdk-nag spells a reference to `construct`'s CloudFormation resource inside a finding id:
 * `<LogicalId>` for a Ref, `<LogicalId.Attr>` for a Fn::GetAtt.
 */
export function nagRef(construct: IConstruct, attribute?: string): string {
  const element = construct.node.defaultChild as CfnElement;
  const logicalId = Stack.of(construct).getLogicalId(element);
  return attribute ? `<${logicalId}.${attribute}>` : `<${logicalId}>`;
}

/** How cdk-nag spells the stack's region inside an ARN: the region's name, or `<AWS::Region>` when unresolved. */
export function nagRegion(construct: IConstruct): string {
  const region = Stack.of(construct).region;
  return Token.isUnresolved(region) ? '<AWS::Region>' : region;
}
