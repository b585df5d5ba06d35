// Boots Swagger UI over the live OpenAPI document; "Authorize" takes an API key as a bearer token.
window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: false,
});
