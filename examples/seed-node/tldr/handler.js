'use strict';

module.exports.getProduct = (event, context, callback) => {

  // Do work to retrieve Product
  const product = retrieveProduct(event);

  const response = {
    statusCode: 200,
    headers: {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Credentials': true,
    },
    body: JSON.stringify({
      product: product
    }),
  };

  callback(null, response);
};

module.exports.createProduct = (event, context, callback) => {

  // Do work to create Product
  const product = createProduct(event);

  const response = {
    statusCode: 200,
    headers: {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Credentials': true,
    },
    body: JSON.stringify({
      product: product
    }),
  };

  callback(null, response);
};

// --- added by corsway (not in the post) ------------------------------------------------------
// Everything above this line is the post's handler.js exactly as published. The post calls
// retrieveProduct() and createProduct() but never defines them: as published, every request
// fails with "ReferenceError: retrieveProduct is not defined" and API Gateway answers
// 502 {"message": "Internal server error"}. These two stubs stand in for the post's data layer.

const PRODUCTS = {
  1: { id: '1', name: 'Espresso cup', price: 9.5 },
  2: { id: '2', name: 'Milk jug', price: 14 },
};

function retrieveProduct(event) {
  return PRODUCTS[event.pathParameters.id] || null;
}

function createProduct(event) {
  const data = JSON.parse(event.body || '{}');
  return { id: String(Object.keys(PRODUCTS).length + 1), name: data.name || 'unnamed' };
}
