// Azure Container Registry for the worker image (az acr build pushes it; the training job pulls it with AcrPull).

@description('Registry name (5-50 letters and digits, globally unique).')
@minLength(5)
@maxLength(50)
param name string

param location string
param tags object

@description('Basic is enough for one image; Premium adds artifact streaming (faster GPU cold starts).')
@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param sku string

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: sku
  }
  properties: {
    adminUserEnabled: false // pulls use the worker's managed identity, pushes use az login
    anonymousPullEnabled: false
    publicNetworkAccess: 'Enabled'
  }
}

output name string = registry.name
output loginServer string = registry.properties.loginServer
