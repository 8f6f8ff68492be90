// BertServerless on Azure, into one resource group:
//   books (blob) --Event Grid--> SplitBook --prep-chunks--> BuildShards --training-jobs--> GPU job --> checkpoints
// Deploy: az deployment group create -g <rg> -f infra/main.bicep -p infra/main.bicepparam (docs/deploy.md).

targetScope = 'resourceGroup'

@description('Short prefix for resource names (lowercase letters, digits, hyphens).')
@minLength(2)
@maxLength(12)
param environmentName string = 'bertsl'

@description('Region for everything; it must offer Flex Consumption and serverless GPUs (e.g. swedencentral, westus3, australiaeast).')
param location string = resourceGroup().location

@description('Serverless GPU for training: T4 (16 GB, cheaper) or A100 (80 GB). Needs GPU quota in the subscription.')
@allowed([
  'Consumption-GPU-NC8as-T4'
  'Consumption-GPU-NC24-A100'
])
param gpuWorkloadProfileType string = 'Consumption-GPU-NC8as-T4'

@description('Worker image in the registry (see the registryLoginServer output). Empty: a public placeholder, until `az acr build` has pushed the real one.')
param workerImage string = ''

@description('Longest one training may run (hours) before Container Apps stops it.')
@minValue(1)
param trainingTimeoutHours int = 6

@description('Retries of a failed training execution.')
@minValue(0)
@maxValue(10)
param trainingRetryLimit int = 1

@description('Most trainings at once (each takes one GPU); keep within your GPU quota.')
@minValue(1)
@maxValue(100)
param maxConcurrentTrainings int = 1

@description('Subscribe SplitBook to blob-created events on books. Set true on the second deployment, after the functions code is published (docs/deploy.md).')
param enableBooksEventSubscription bool = false

@description('User or group that uploads books and downloads checkpoints (user-access.bicep: write books, read jobs and checkpoints, peek queues). Empty: none.')
param userPrincipalId string = deployer().objectId

@description('.NET version of the function app (isolated worker).')
param functionsRuntimeVersion string = '10.0'

@description('Most Flex Consumption instances.')
@minValue(1)
@maxValue(1000)
param functionsMaximumInstanceCount int = 100

@description('Memory per Flex Consumption instance (MB).')
@allowed([
  512
  2048
  4096
])
param functionsInstanceMemoryMB int = 2048

@description('Container registry tier.')
@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param registrySku string = 'Basic'

@description('Network access to the pipeline\'s storage account. Allow: all networks (Entra ID still required for every request). Deny: only storageAllowedIpRanges, storageAllowedSubnetIds and trusted Azure services; the function app and the job must then reach it from one of those subnets (VNet integration, not created by this template).')
@allowed([
  'Allow'
  'Deny'
])
param storageNetworkDefaultAction string = 'Allow'

@description('IPv4 addresses or CIDR ranges let through to the pipeline\'s storage when storageNetworkDefaultAction is Deny.')
param storageAllowedIpRanges array = []

@description('Subnet resource ids (Microsoft.Storage service endpoint) let through when storageNetworkDefaultAction is Deny.')
param storageAllowedSubnetIds array = []

@description('Days deleted blobs and containers (and, on the pipeline\'s account, overwritten blob versions) are kept.')
@minValue(1)
@maxValue(365)
param storageSoftDeleteDays int = 7

param tags object = {}

var prefix = toLower(environmentName) // container, job and storage names must be lowercase
var token = uniqueString(subscription().id, resourceGroup().id, prefix)
var compactName = take(replace(prefix, '-', ''), 8) // for names that allow no hyphens
var allTags = union(tags, { 'bertsl-env': prefix })

// Names are computed here, not read from module outputs, so what-if can predict every resource id.
var storageAccountName = 'st${compactName}${token}'
var hostStorageAccountName = 'stf${compactName}${token}' // the Functions host's own account
var logAnalyticsName = 'log-${prefix}-${token}'
var applicationInsightsName = 'appi-${prefix}-${token}'
var functionAppName = 'func-${prefix}-${token}'
var registryName = 'cr${compactName}${token}'
// Flex Consumption pulls the app package from this container (on the host's account).
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(token, 7)}'
var deadLetterContainerName = 'events-deadletter'
// A tiny public job image that prints and exits; it stands in until the worker image is pushed (docs/deploy.md).
var placeholderImage = 'mcr.microsoft.com/k8se/quickstart-jobs:latest'

module storage 'app/storage.bicep' = {
  name: 'storage'
  params: {
    name: storageAccountName
    location: location
    tags: allTags
    deadLetterContainerName: deadLetterContainerName
    networkDefaultAction: storageNetworkDefaultAction
    allowedIpRanges: storageAllowedIpRanges
    allowedSubnetIds: storageAllowedSubnetIds
    softDeleteRetentionDays: storageSoftDeleteDays
  }
}

module hostStorage 'app/host-storage.bicep' = {
  name: 'host-storage'
  params: {
    name: hostStorageAccountName
    location: location
    tags: allTags
    deploymentContainerName: deploymentContainerName
    softDeleteRetentionDays: storageSoftDeleteDays
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: logAnalyticsName
    applicationInsightsName: applicationInsightsName
    location: location
    tags: allTags
  }
}

module functions 'app/functions.bicep' = {
  name: 'functions'
  params: {
    name: functionAppName
    planName: 'plan-${prefix}-${token}'
    location: location
    tags: allTags
    storageAccountName: storageAccountName
    hostStorageAccountName: hostStorageAccountName
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: applicationInsightsName
    runtimeVersion: functionsRuntimeVersion
    maximumInstanceCount: functionsMaximumInstanceCount
    instanceMemoryMB: functionsInstanceMemoryMB
  }
  dependsOn: [
    storage
    hostStorage
    monitoring
  ]
}

module events 'app/events.bicep' = {
  name: 'events'
  params: {
    systemTopicName: 'evgt-${prefix}-${token}'
    location: location
    tags: allTags
    storageAccountName: storageAccountName
    functionAppName: functionAppName
    deadLetterContainerName: deadLetterContainerName
    subscribeSplitBook: enableBooksEventSubscription
  }
  dependsOn: [
    storage
    functions
  ]
}

module registry 'app/registry.bicep' = {
  name: 'registry'
  params: {
    name: registryName
    location: location
    tags: allTags
    sku: registrySku
  }
}

module worker 'app/worker.bicep' = {
  name: 'worker'
  params: {
    environmentName: 'cae-${prefix}-${token}'
    jobName: 'caj-${prefix}-train'
    identityName: 'id-${prefix}-worker-${token}'
    location: location
    tags: allTags
    logAnalyticsName: logAnalyticsName
    storageAccountName: storageAccountName
    registryName: registryName
    gpuWorkloadProfileType: gpuWorkloadProfileType
    image: empty(workerImage) ? placeholderImage : workerImage
    replicaTimeoutSeconds: trainingTimeoutHours * 3600
    replicaRetryLimit: trainingRetryLimit
    maxExecutions: maxConcurrentTrainings
  }
  dependsOn: [
    storage
    monitoring
    registry
  ]
}

module userAccess 'app/user-access.bicep' = if (!empty(userPrincipalId)) {
  name: 'user-access'
  params: {
    storageAccountName: storageAccountName
    principalId: userPrincipalId
  }
  dependsOn: [
    storage
  ]
}

output storageAccountName string = storage.outputs.name
output hostStorageAccountName string = hostStorage.outputs.name
output deadLetterContainerName string = deadLetterContainerName
output functionAppName string = functions.outputs.name
output functionAppUrl string = functions.outputs.url
output eventGridSystemTopicName string = events.outputs.systemTopicName
output registryName string = registry.outputs.name
output registryLoginServer string = registry.outputs.loginServer
output containerAppsEnvironmentName string = worker.outputs.environmentName
output logAnalyticsWorkspaceName string = logAnalyticsName
output trainingJobName string = worker.outputs.jobName
output workerIdentityClientId string = worker.outputs.identityClientId
