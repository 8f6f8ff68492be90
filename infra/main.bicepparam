// Example parameters: az deployment group create -g <rg> -f infra/main.bicep -p infra/main.bicepparam
// Override any of them on the command line, e.g. -p workerImage=<registry>.azurecr.io/bertsl-worker:v1
using 'main.bicep'

param environmentName = 'bertsl'

// T4: 16 GB, cheapest; BERT-base at sequence length 128-512 fits. A100 (Consumption-GPU-NC24-A100): 80 GB, faster.
param gpuWorkloadProfileType = 'Consumption-GPU-NC8as-T4'

// Empty on the first deployment (placeholder image); then the image az acr build pushed.
param workerImage = ''

param trainingTimeoutHours = 6
param trainingRetryLimit = 1
param maxConcurrentTrainings = 1

// false on the first deployment; true once the functions code is published (the blobs_extension key exists then).
param enableBooksEventSubscription = false

// Pipeline storage firewall: Allow (all networks, Entra ID still required) or Deny (only the ranges and subnets below,
// which needs VNet integration of the function app and the job: docs/deploy.md, Network).
param storageNetworkDefaultAction = 'Allow'
param storageAllowedIpRanges = []
param storageAllowedSubnetIds = []

// Days deleted blobs, deleted containers and overwritten blob versions are kept.
param storageSoftDeleteDays = 7

param tags = {
  project: 'BertServerless'
}
