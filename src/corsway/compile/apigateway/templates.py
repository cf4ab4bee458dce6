"""The request mapping templates (VTL) Serverless v3 gives `integration: lambda` methods.

They must be byte-exact (whitespace included): they are part of the deployed API.
`extraCognitoPoolClaims` is replaced with the authorizer's claims (or nothing).
"""

from __future__ import annotations

_COMMON_LINES = [
    "",
    "  #define( $loop )",
    "    {",
    "    #foreach($key in $map.keySet())",
    "        #set( $k = $util.escapeJavaScript($key) )",
    """        #set( $v = $util.escapeJavaScript($map.get($key)).replaceAll("\\\\'", "'") )""",
    '        "$k":',
    '          "$v"',
    "          #if( $foreach.hasNext ) , #end",
    "    #end",
    "    }",
    "  #end",
    "",
    "  {",
    '    "body": $body,',
    '    "method": "$context.httpMethod",',
    '    "principalId": "$context.authorizer.principalId",',
    '    "stage": "$context.stage",',
    "",
    '    "cognitoPoolClaims" : {',
    "       extraCognitoPoolClaims",
    '       "sub": "$context.authorizer.claims.sub"',
    "    },",
    "",
    "    #set( $map = $context.authorizer )",
    '    "enhancedAuthContext": $loop,',
    "",
    "    #set( $map = $input.params().header )",
    '    "headers": $loop,',
    "",
    "    #set( $map = $input.params().querystring )",
    '    "query": $loop,',
    "",
    "    #set( $map = $input.params().path )",
    '    "path": $loop,',
    "",
    "    #set( $map = $context.identity )",
    '    "identity": $loop,',
    "",
    "    #set( $map = $stageVariables )",
    '    "stageVariables": $loop,',
    "",
    '    "requestPath": "$context.resourcePath"',
    "  }",
    "",
]
COMMON_TEMPLATE = "\n".join(_COMMON_LINES)

DEFAULT_JSON_REQUEST_TEMPLATE = (
    '\n    #set( $body = $input.json("$") )\n\n    ' + COMMON_TEMPLATE + "\n  "
)

_FORM_LINES = [
    "",
    "    #define( $body )",
    "      {",
    "      #foreach( $token in $input.path('$').split('&') )",
    "        #set( $keyVal = $token.split('=') )",
    "        #set( $keyValSize = $keyVal.size() )",
    "        #if( $keyValSize >= 1 )",
    "          #set( $key = $util.escapeJavaScript($util.urlDecode($keyVal[0])) )",
    "          #if( $keyValSize >= 2 )",
    """            #set($val = $util.escapeJavaScript($util.urlDecode($keyVal[1]))"""
    """.replaceAll("\\\\'","'"))""",
    "          #else",
    "            #set( $val = '' )",
    "          #end",
    '          "$key": "$val"#if($foreach.hasNext),#end',
    "        #end",
    "      #end",
    "      }",
    "    #end",
    "",
    "    ",
]
DEFAULT_FORM_REQUEST_TEMPLATE = "\n".join(_FORM_LINES) + COMMON_TEMPLATE + "\n  "

CLAIMS_PLACEHOLDER = "extraCognitoPoolClaims"
