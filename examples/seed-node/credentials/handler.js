// handler.js

'use strict';

// The post's "CORS with Cookie credentials" handler for several origins, corrected by corsway so
// that it runs (the post's text does not parse). What was corrected:
// - `if (ALLOWED_ORIGINS.includes(origin) {` lacked a closing parenthesis;
// - both `headers: { ... },` blocks were labelled statements, not assignments: `headers = {...};`;
// - `headers` in the response object lacked its comma;
// - the post reads `event.headers.origin`, but a REST API passes header names as the browser sent
//   them (`Origin` over HTTP/1.1), so an allowed origin was never recognised: both spellings are
//   read now;
// - the post never defines retrieveProduct(): a stub is added at the end.

const ALLOWED_ORIGINS = [
	'https://myfirstorigin.com',
	'https://mysecondorigin.com'
];

module.exports.getProduct = (event, context, callback) => {

  const origin = event.headers.origin || event.headers.Origin;
  let headers;

  if (ALLOWED_ORIGINS.includes(origin)) {
    headers = {
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Credentials': true,
    };
  } else {
      headers = {
      'Access-Control-Allow-Origin': '*',
    };
  }

  // Do work to retrieve Product
  const product = retrieveProduct(event);

  const response = {
    statusCode: 200,
    headers,
    body: JSON.stringify({
      product: product
    }),
  };

  callback(null, response);
};

// --- added by corsway (not in the post) ------------------------------------------------------

function retrieveProduct(event) {
  return { id: event.pathParameters.id, name: 'Espresso cup', signedIn: Boolean(event.headers.Cookie || event.headers.cookie) };
}
