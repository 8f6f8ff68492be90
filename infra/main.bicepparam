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

param tags = {
  project: 'BertServerless'
}
