// The pipeline's storage account: books -> shards -> checkpoints, job status, the queues between the stages, and the
// Event Grid dead letters. Users upload here, so nothing else lives here: the Functions host's state and its
// deployment package are on their own account (host-storage.bicep), out of every uploader's reach. Identity-only:
// shared keys are off, and every role on this account is scoped to one container or queue (storage-access.bicep).

@description('Storage account name (3-24 lowercase letters and digits, globally unique).')
@minLength(3)
@maxLength(24)
param name string

param location string
param tags object

@description('Container Event Grid writes undeliverable blob-created events to (events.bicep).')
param deadLetterContainerName string

@description('Allow: every network (identity still required). Deny: only allowedIpRanges, allowedSubnetIds and trusted Azure services (Event Grid); the function app and the job then need VNet integration into one of allowedSubnetIds, which this template does not create.')
@allowed([
  'Allow'
  'Deny'
])
param networkDefaultAction string

@description('Public IPv4 addresses or CIDR ranges let through when networkDefaultAction is Deny (e.g. where you upload from).')
param allowedIpRanges array

@description('Subnet resource ids (with the Microsoft.Storage service endpoint) let through when networkDefaultAction is Deny.')
param allowedSubnetIds array

@description('Days a deleted or overwritten blob, or a deleted container, can be restored.')
@minValue(1)
@maxValue(365)
param softDeleteRetentionDays int

// shared/Storage/StorageNames.cs: the code, the worker and this file must use the same strings.
var dataContainers = [
  'books'
  'shards'
  'checkpoints'
  'jobs'
]
var queues = [
  'prep-chunks'
  'prep-chunks-poison'
  'training-jobs'
  'training-jobs-poison'
  // The blob trigger (SplitBook) moves a blob that failed every attempt here, on its connection's account
  // (https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-blob-trigger#poison-blobs).
  // Created here so that a queue-scoped role can reach it.
  'webjobs-blobtrigger-poison'
]

resource account 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false // Entra ID (managed identity, az login) only; no connection strings anywhere
    defaultToOAuthAuthentication: true
    allowCrossTenantReplication: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: networkDefaultAction
      bypass: 'AzureServices' // Event Grid delivers dead letters as a trusted service
      ipRules: [for ip in allowedIpRanges: { value: ip, action: 'Allow' }]
      virtualNetworkRules: [for subnet in allowedSubnetIds: { id: subnet, action: 'Allow' }]
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: account
  name: 'default'
  properties: {
    // A deleted or overwritten book, checkpoint or status.json can be restored: soft delete covers deletes,
    // versioning covers overwrites (latest.json and status.json are overwritten on every update).
    deleteRetentionPolicy: {
      enabled: true
      days: softDeleteRetentionDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: softDeleteRetentionDays
    }
    isVersioningEnabled: true
  }
}

// Versioning keeps every overwrite, and status.json is rewritten at each progress report: old versions go after the
// same retention as soft delete, so they cost days of storage, not the job's whole history for ever.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2025-01-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'expire-previous-versions'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
            }
            actions: {
              version: {
                delete: {
                  daysAfterCreationGreaterThan: softDeleteRetentionDays
                }
              }
            }
          }
        }
      ]
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = [
  for container in concat(dataContainers, [deadLetterContainerName]): {
    parent: blobService
    name: container
    properties: {
      publicAccess: 'None'
    }
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-01-01' = {
  parent: account
  name: 'default'
}

resource queueResources 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = [
  for queue in queues: {
    parent: queueService
    name: queue
  }
]

output name string = account.name
