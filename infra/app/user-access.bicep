// Data-plane access for a person (shared keys are off, so `az storage blob upload --auth-mode login` and
// `bertsl upload` need an Entra ID role): upload books, read status and checkpoints, requeue poison messages.

param storageAccountName string

@description('Object id of the user or group that uploads books and downloads checkpoints.')
param principalId string

var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource roles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in [storageBlobDataContributor, storageQueueDataContributor]: {
    name: guid(storage.id, principalId, role)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
      principalId: principalId
    }
  }
]
