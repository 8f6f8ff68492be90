// Data-plane access for the people who upload books (shared keys are off, so `az storage blob upload --auth-mode login`
// and `bertsl upload` need an Entra ID role): write books, read status and checkpoints, peek the queues. Nothing else:
// no shards (the worker trusts them), no sending to a queue (the worker and the functions trust the messages), and
// no role on the Functions host's account (app code, host keys). Replaying a poison message is an operator's task
// with its own, temporary role (docs/deploy.md, "Replay a poison message").

import { storageRoles } from 'storage-roles.bicep'

param storageAccountName string

@description('Object id of the user or group that uploads books and downloads checkpoints.')
param principalId string

module access 'storage-access.bicep' = {
  name: 'user-storage-access'
  params: {
    storageAccountName: storageAccountName
    principalId: principalId
    principalKey: principalId
    containerRoles: [
      { container: 'books', role: storageRoles.blobDataContributor }
      { container: 'jobs', role: storageRoles.blobDataReader }
      { container: 'checkpoints', role: storageRoles.blobDataReader }
    ]
    queueRoles: [
      { queue: 'training-jobs', role: storageRoles.queueDataReader }
      { queue: 'prep-chunks-poison', role: storageRoles.queueDataReader }
      { queue: 'training-jobs-poison', role: storageRoles.queueDataReader }
    ]
  }
}
