import { Template } from 'aws-cdk-lib/assertions';
import { only, sharedFixture } from './helpers';

describe('Encryption', () => {
  it('creates one customer-managed key with rotation on, named by stage', () => {
    const template = Template.fromStack(sharedFixture().stack);
    const [, key] = only(template, 'AWS::KMS::Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/alert-whisperer-dev' });
  });

  it('keeps the key in prod; a dev key is deleted 7 days after its stack', () => {
    const [, prodKey] = only(
      Template.fromStack(sharedFixture({ stage: 'prod', dashboardOrigin: 'https://d.example.com' }).stack),
      'AWS::KMS::Key',
    );
    expect(prodKey.DeletionPolicy).toBe('Retain');
    const [, devKey] = only(Template.fromStack(sharedFixture().stack), 'AWS::KMS::Key');
    expect(devKey.DeletionPolicy).toBe('Delete');
    expect(devKey.Properties.PendingWindowInDays).toBe(7);
  });

  it('encrypts the table, the signing-key secret and the alarm topic with it', () => {
    const template = Template.fromStack(sharedFixture().stack);
    const [keyId] = only(template, 'AWS::KMS::Key');
    const keyArn = { 'Fn::GetAtt': [keyId, 'Arn'] };
    expect(only(template, 'AWS::DynamoDB::GlobalTable')[1].Properties.Replicas[0].SSESpecification).toEqual({ KMSMasterKeyId: keyArn });
    expect(only(template, 'AWS::SecretsManager::Secret')[1].Properties.KmsKeyId).toEqual(keyArn);
    expect(only(template, 'AWS::SNS::Topic')[1].Properties.KmsMasterKeyId).toEqual(keyArn);
  });
});
