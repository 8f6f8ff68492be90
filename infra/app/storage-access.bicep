// Data-plane roles for one principal on single containers and queues of the pipeline's storage account, never on the
// account itself: users upload into that account, so an account-wide role would reach every other container and
// queue in it (.ci/lint-infra fails on one). Azure RBAC takes a container or a queue as a role assignment's scope
// (https://learn.microsoft.com/azure/storage/blobs/assign-azure-role-data-access#scope).

param storageAccountName string

@description('Object id of the identity, user or group that gets the roles.')
param principalId string

@description('Something that names the principal and is known before deployment (a managed identity\'s resource id; a user\'s object id): role assignment names derive from it, so What-If can predict them.')
param principalKey string

@description('ServicePrincipal for managed identities (skips the directory replication wait); empty for a user or group, whose type the caller may not know.')
@allowed([
  ''
  'ServicePrincipal'
])
param principalType string = ''

@description('Blob roles: [{ container: name, role: built-in role definition id }].')
param containerRoles array = []

@description('Queue roles: [{ queue: name, role: built-in role definition id }].')
param queueRoles array = []

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'
  }

  resource queueService 'queueServices' existing = {
    name: 'default'
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' existing = [
  for grant in containerRoles: {
    parent: storage::blobService
    name: grant.container
  }
]

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' existing = [
  for grant in queueRoles: {
    parent: storage::queueService
    name: grant.queue
  }
]

resource containerAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (grant, i) in containerRoles: {
    name: guid(containers[i].id, principalKey, grant.role)
    scope: containers[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', grant.role)
      principalId: principalId
      principalType: empty(principalType) ? null : principalType
    }
  }
]

resource queueAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (grant, i) in queueRoles: {
    name: guid(queues[i].id, principalKey, grant.role)
    scope: queues[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', grant.role)
      principalId: principalId
      principalType: empty(principalType) ? null : principalType
    }
  }
]
