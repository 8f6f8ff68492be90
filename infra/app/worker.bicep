// The GPU trainer: a Container Apps environment with a serverless GPU workload profile and an event-driven job that
// KEDA starts once per message on `training-jobs`. A user-assigned identity pulls the image and reads/writes storage
// (user-assigned, so its AcrPull role exists before the job's first pull). Console and system logs reach Log
// Analytics through Azure Monitor diagnostic settings, not a workspace shared key.

import { storageRoles } from 'storage-roles.bicep'

param environmentName string
param jobName string
param identityName string
param location string
param tags object

param logAnalyticsName string
param storageAccountName string
param registryName string

@description('Serverless GPU workload profile type (one GPU per replica).')
@allowed([
  'Consumption-GPU-NC8as-T4'
  'Consumption-GPU-NC24-A100'
])
param gpuWorkloadProfileType string

@description('Worker image, e.g. <registry>.azurecr.io/bertsl-worker:<tag>.')
param image string

@description('Longest one training execution may run (seconds) before it is stopped.')
param replicaTimeoutSeconds int

@description('Times a failed execution is retried before the execution counts as failed.')
param replicaRetryLimit int

@description('Most trainings running at once (one GPU each); keep within your GPU quota.')
param maxExecutions int

// A GPU replica takes the whole profile size: T4 = 8 vCPU / 56 GiB, A100 = 24 vCPU / 220 GiB.
var gpuProfiles = {
  'Consumption-GPU-NC8as-T4': {
    name: 'gpu-t4'
    cpu: 8
    memory: '56Gi'
  }
  'Consumption-GPU-NC24-A100': {
    name: 'gpu-a100'
    cpu: 24
    memory: '220Gi'
  }
}
var gpu = gpuProfiles[gpuWorkloadProfileType]

var acrPull = '7f951dda-4ed3-4680-a7ca-43fe172d538d'

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2025-02-01' existing = {
  name: logAnalyticsName
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = {
  name: registryName
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: identityName
  location: location
  tags: tags
}

resource pullRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, identity.id, acrPull)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPull)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// The trainer reads shards, reads base models from and writes checkpoints, writes status (jobs), and receives,
// renews and deletes training-jobs messages, moving bad ones to training-jobs-poison; KEDA reads the queue's length
// with the same identity. Nothing on books, prep-chunks or the account.
module storageAccess 'storage-access.bicep' = {
  name: 'worker-storage-access'
  params: {
    storageAccountName: storage.name
    principalId: identity.properties.principalId
    principalKey: identity.id
    principalType: 'ServicePrincipal'
    containerRoles: [
      { container: 'shards', role: storageRoles.blobDataReader }
      { container: 'checkpoints', role: storageRoles.blobDataContributor }
      { container: 'jobs', role: storageRoles.blobDataContributor }
    ]
    queueRoles: [
      { queue: 'training-jobs', role: storageRoles.queueDataContributor }
      { queue: 'training-jobs-poison', role: storageRoles.queueDataContributor }
    ]
  }
}

resource environment 'Microsoft.App/managedEnvironments@2025-07-01' = {
  name: environmentName
  location: location
  tags: tags
  properties: {
    // azure-monitor: logs leave through the diagnostic setting below; log-analytics would need the workspace key.
    appLogsConfiguration: {
      destination: 'azure-monitor'
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
      {
        name: gpu.name
        workloadProfileType: gpuWorkloadProfileType
      }
    ]
  }
}

// Resource-specific tables ContainerAppConsoleLogs and ContainerAppSystemLogs
// (https://learn.microsoft.com/azure/container-apps/log-options).
resource environmentLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: environment
  properties: {
    workspaceId: logAnalytics.id
    logAnalyticsDestinationType: 'Dedicated'
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
  }
}

resource job 'Microsoft.App/jobs@2025-07-01' = {
  name: jobName
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    environmentId: environment.id
    workloadProfileName: gpu.name
    configuration: {
      triggerType: 'Event'
      replicaTimeout: replicaTimeoutSeconds
      replicaRetryLimit: replicaRetryLimit
      eventTriggerConfig: {
        parallelism: 1
        replicaCompletionCount: 1
        scale: {
          minExecutions: 0
          maxExecutions: maxExecutions
          pollingInterval: 30
          rules: [
            {
              // queueLength 1: one execution per queued training job (KEDA subtracts running executions).
              name: 'training-jobs'
              type: 'azure-queue'
              metadata: {
                accountName: storage.name
                queueName: 'training-jobs'
                queueLength: '1'
              }
              identity: identity.id
            }
          ]
        }
      }
      registries: [
        {
          server: registry.properties.loginServer
          identity: identity.id
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'worker'
          image: image
          resources: {
            cpu: gpu.cpu
            memory: gpu.memory
          }
          env: [
            // The same BertStorage settings as the function app, plus the user-assigned identity's client id.
            {
              name: 'BertStorage__blobServiceUri'
              value: storage.properties.primaryEndpoints.blob
            }
            {
              name: 'BertStorage__queueServiceUri'
              value: storage.properties.primaryEndpoints.queue
            }
            {
              name: 'BertStorage__credential'
              value: 'managedidentity'
            }
            {
              name: 'BertStorage__clientId'
              value: identity.properties.clientId
            }
            // The price table entry (appsettings.json's Pricing:HourlyPrice) that costs each job's estimate.
            {
              name: 'Pricing__Profile'
              value: gpuWorkloadProfileType
            }
          ]
        }
      ]
    }
  }
  dependsOn: [
    pullRole
    storageAccess
  ]
}

output environmentName string = environment.name
output jobName string = job.name
output identityClientId string = identity.properties.clientId
