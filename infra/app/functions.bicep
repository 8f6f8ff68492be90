// The functions/ app (SplitBook, BuildShards) on Flex Consumption, with a system-assigned identity that reaches
// storage, its deployment container and Application Insights through Entra ID roles only. Two accounts: the host's
// (AzureWebJobsStorage and the deployment package, account-wide Owner as the Functions docs require) and the
// pipeline's (BertStorage: only the containers and queues SplitBook and BuildShards use).

import { storageRoles } from 'storage-roles.bicep'

param name string
param planName string
param location string
param tags object

@description('The pipeline\'s account (books, shards, jobs, the prep queues): the triggers\' BertStorage connection.')
param storageAccountName string

@description('The host\'s account: AzureWebJobsStorage and the deployment package (host-storage.bicep).')
param hostStorageAccountName string

param deploymentContainerName string
param applicationInsightsName string

@description('.NET version of the isolated worker (functions/ targets net10.0).')
param runtimeVersion string

@description('Most instances Flex Consumption may scale out to.')
param maximumInstanceCount int

@description('Memory per instance (MB).')
param instanceMemoryMB int

var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

// Identity-based AzureWebJobsStorage: Blob Data Owner "covers the basic needs of Functions host storage", and a blob
// trigger needs Queue Data Contributor there too
// (https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity).
// Owner also covers the deployment container (Flex Consumption reads the package with the app's identity).
var hostRoles = [
  storageRoles.blobDataOwner
  storageRoles.queueDataContributor
]

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource hostStorage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: hostStorageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

resource app 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${hostStorage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: runtimeVersion
      }
    }
  }
}

// One name per setting, as in functions/local.settings.json: the triggers' Connection = "BertStorage".
resource appSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: app
  name: 'appsettings'
  properties: {
    AzureWebJobsStorage__accountName: hostStorage.name
    AzureWebJobsStorage__credential: 'managedidentity'
    BertStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
    BertStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
    BertStorage__credential: 'managedidentity'
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
    // Flex Consumption runs blob triggers only from Event Grid (SplitBook); the polling twin is for func start.
    'AzureWebJobs.SplitBookPolling.Disabled': 'true'
  }
}

resource hostStorageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in hostRoles: {
    name: guid(hostStorage.id, app.id, role)
    scope: hostStorage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
      principalId: app.identity.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

// SplitBook reads books and writes chunks (shards) and status (jobs), sending prep-chunks; BuildShards reads and
// writes shards and jobs, sending training-jobs; the host moves failed messages to prep-chunks-poison and failed
// blobs to webjobs-blobtrigger-poison. The blob trigger docs list Blob Data Owner on the trigger's account
// (https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-blob-trigger#grant-permission-to-the-identity);
// Owner adds POSIX ACLs, blob tags and the superuser override, which our code does not use, so this app gets
// Contributor on the containers it touches (docs/deploy.md says what to check if the trigger ever gets a 403).
module pipelineAccess 'storage-access.bicep' = {
  name: 'functions-storage-access'
  params: {
    storageAccountName: storage.name
    principalId: app.identity.principalId
    principalKey: app.id
    principalType: 'ServicePrincipal'
    containerRoles: [
      { container: 'books', role: storageRoles.blobDataContributor }
      { container: 'shards', role: storageRoles.blobDataContributor }
      { container: 'jobs', role: storageRoles.blobDataContributor }
    ]
    queueRoles: [
      { queue: 'prep-chunks', role: storageRoles.queueDataContributor }
      { queue: 'prep-chunks-poison', role: storageRoles.queueDataContributor }
      { queue: 'training-jobs', role: storageRoles.queueDataMessageSender } // send only: the GPU job consumes it
      { queue: 'webjobs-blobtrigger-poison', role: storageRoles.queueDataContributor }
    ]
  }
}

resource telemetryRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, app.id, monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

output name string = app.name
output url string = 'https://${app.properties.defaultHostName}'
