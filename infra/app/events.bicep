// Blob-created events on `books` -> the SplitBook function (Flex Consumption supports only the Event Grid source for
// blob triggers). The system topic always exists; the subscription needs the blobs_extension system key, which the
// Functions host creates only once the code is deployed and SplitBook is loaded, and Event Grid validates the
// webhook on creation, so it is switched on by a second deployment (docs/deploy.md, step 4).
// An event Event Grid cannot deliver within the retry policy is written to the dead-letter container with the
// topic's own identity, not dropped: the book's upload is then visible there instead of silently never starting.

import { storageRoles } from 'storage-roles.bicep'

param systemTopicName string
param location string
param tags object

param storageAccountName string
param functionAppName string

@description('Container (on the pipeline\'s account) for undeliverable events.')
param deadLetterContainerName string

@description('Create the books -> SplitBook subscription (only after the functions code is deployed).')
param subscribeSplitBook bool

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' existing = {
  name: functionAppName
}

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: systemTopicName
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

// Dead-lettering with the topic's identity needs blob write on the destination container only
// (https://learn.microsoft.com/azure/event-grid/managed-service-identity#deliver-events-to-destinations).
module deadLetterAccess 'storage-access.bicep' = {
  name: 'events-storage-access'
  params: {
    storageAccountName: storage.name
    principalId: topic.identity.principalId
    principalKey: topic.id
    principalType: 'ServicePrincipal'
    containerRoles: [
      { container: deadLetterContainerName, role: storageRoles.blobDataContributor }
    ]
  }
}

resource splitBook 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = if (subscribeSplitBook) {
  parent: topic
  name: 'books-to-splitbook'
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        // Host.Functions.<name>: the blobs extension's webhook addresses one function of the app. The host key
        // has no Bicep resource type, hence listKeys by id.
        endpointUrl: 'https://${functionApp.properties.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.SplitBook&code=${listKeys('${functionApp.id}/host/default', '2025-03-01').systemKeys.blobs_extension}'
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
      subjectBeginsWith: '/blobServices/default/containers/books/'
    }
    eventDeliverySchema: 'EventGridSchema'
    // Exponential back-off for up to a day (a cold start or a deployment is minutes): then the dead-letter container.
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: storage.id
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
  dependsOn: [
    deadLetterAccess
  ]
}

output systemTopicName string = topic.name
