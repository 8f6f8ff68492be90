// Blob-created events on `books` -> the SplitBook function (Flex Consumption supports only the Event Grid source for
// blob triggers). The system topic always exists; the subscription needs the blobs_extension system key, which the
// Functions host creates only once the code is deployed and SplitBook is loaded, and Event Grid validates the
// webhook on creation, so it is switched on by a second deployment (docs/deploy.md, step 4).

param systemTopicName string
param location string
param tags object

param storageAccountName string
param functionAppName string

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
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
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
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}

output systemTopicName string = topic.name
