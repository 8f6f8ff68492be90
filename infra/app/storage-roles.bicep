// Built-in data-plane role definition ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage),
// imported by the modules that assign them so that each id is written once.

@export()
var storageRoles = {
  blobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // blobs + ACLs, tags and container admin; Functions host storage only
  blobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe' // read, write, delete blobs
  blobDataReader: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1' // read and list blobs
  queueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // send, receive, update, delete messages
  queueDataMessageSender: 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a' // send messages only
  queueDataReader: '19e7f393-937e-4f77-808e-94535e297925' // peek messages, read queue properties
}
