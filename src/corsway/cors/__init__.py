"""The CORS engine: a validated, immutable policy that decides every request (sans-IO, stdlib only).

``CorsPolicy(...)`` checks the whole configuration once and raises :class:`CorsConfigError` listing
every problem (field, value, what would be valid). It then precomputes every header it can send, so
``policy.decide(method, headers)`` only looks things up and returns an immutable
:class:`CorsDecision` (``kind``, ``allowed``, ``status``, ``headers``, ``reason``). Adapters merge
``decision.headers`` into the response (``Vary`` must be *appended* to an existing ``Vary``; every
other name is set). The policy keeps no state between calls.

Semantics follow the Fetch standard's CORS protocol; the choices it leaves open are made here:

Classification
    ``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method`` is a preflight; any other
    request with ``Origin`` is an actual request; a request without ``Origin`` is not CORS
    (``kind="none"``, ``allowed=True``). Request header names are case-insensitive; when a header
    appears more than once the first value is used, except ``Access-Control-Request-Headers``,
    whose field lines are joined (intermediaries sometimes split it).

Origins
    A request's ``Origin`` is compared byte for byte with the configured origins, which are
    normalised at construction (lower-case scheme and host, default port dropped, IPv6 written
    as the URL standard writes it: lower-case hex, the first longest run of zero pieces as
    ``::``, an embedded IPv4 address in hex, ``[::ffff:7f00:1]``, on every Python version).
    Browsers always send that serialized form, so anything else (upper case, ``:443``, a trailing
    dot or slash, whitespace, userinfo) is refused, never "repaired" and echoed. Configured
    entries with a path, query, fragment, userinfo, whitespace, a trailing dot, an IPv6 zone id,
    no scheme, a scheme other than http/https, or a Unicode host are errors (the error names the
    ASCII/Punycode spelling to use instead: ``https://xn--bcher-kva.example``).
    ``https://*.example.org`` allows one or more DNS labels under ``example.org``: never the apex,
    never ``xexample.org``, never ``example.org.evil.net``. ``:*`` allows any port including the
    default one. Wildcards are matched by splitting the request host at its dots and looking the
    suffix up in a dict (no regular expressions, cost independent of the number of patterns).
    A wildcard over a single label (``https://*.com``) is always an error (write ``"*"`` if you
    mean any origin); a wildcard over a well-known public suffix (``*.co.uk``, ``*.github.io``,
    ``*.amazonaws.com``, ...; a built-in list, since the full Public Suffix List is not in the
    standard library) is an error with ``credentials=True``, where anyone who registers a name
    there would get credentialed access. ``"null"`` is allowed only when listed, and never with
    credentials; ``"*"`` allows every origin (including opaque ones, which browsers accept under
    ``*``) and is refused with credentials. ``origin_regex=`` must match the whole origin;
    ``allow_origin=`` is called with the origin and must return a bool. Both only see origins in
    serialized form (never ``"null"``); with credentials both are probed at construction with
    origins under the reserved ``.invalid`` domain and refused if they accept one.

Methods
    Matched exactly (the browser upper-cases only DELETE, GET, HEAD, OPTIONS, POST and PUT, so
    configured spellings of those six are upper-cased and every other method is case-sensitive).
    A preflight asking for a CORS-safelisted method (GET, HEAD, POST) passes the method check even
    when the method is not listed: the browser never checks those against
    ``Access-Control-Allow-Methods``, so refusing would only break requests that a simple request
    could make anyway. ``Access-Control-Allow-Methods`` lists the configured methods (so the
    browser can cache them all at once); ``"*"`` is sent as ``*`` without credentials and as the
    requested method with credentials (where browsers read ``*`` literally).

Request headers
    Case-insensitive. ``Access-Control-Request-Headers`` is parsed leniently (commas, optional
    whitespace, empty items); every requested name must be allowed, and the answer's
    ``Access-Control-Allow-Headers`` echoes the requested names only (lower case). ``"*"`` is sent
    as ``*`` without credentials and as the requested names with credentials; it never covers
    ``Authorization``, which must be listed (the Fetch standard's only non-wildcard name).

Vary (so that shared caches never serve one request's answer to another)
    * Non-``OPTIONS`` responses carry ``Vary: Origin`` whenever the headers depend on the origin,
      i.e. for every policy except ``"*"`` without credentials: on allowed, refused and
      origin-less responses alike.
    * A ``"*"`` policy without credentials sends ``Access-Control-Allow-Origin: *`` (and
      ``Access-Control-Expose-Headers``) on *every* non-``OPTIONS`` response, with or without
      ``Origin``, and no ``Vary``: the answer is the same for everyone, so it stays cacheable as
      the Fetch standard's "CORS protocol and HTTP caches" section recommends.
    * Every response to ``OPTIONS`` (preflight, ``OPTIONS`` without preflight headers, or without
      ``Origin``) carries ``Vary: Origin, Access-Control-Request-Method,
      Access-Control-Request-Headers`` (plus ``Access-Control-Request-Private-Network`` when
      ``private_network=True``): whether it is a preflight and what it allows depends on exactly
      those headers. OPTIONS responses are not cacheable by default (RFC 9110), but CDNs can be
      configured to cache them.

Preflights
    Allowed: ``preflight_status`` (default 204), ``Access-Control-Allow-Origin``,
    ``-Allow-Credentials`` (with credentials), ``-Allow-Methods``, ``-Allow-Headers`` (only the
    requested names), ``-Max-Age`` (unless ``max_age=None``), ``Vary``. Refused: 403 with no CORS
    header but ``Vary``, and ``reason`` naming the failed check (origin, then method, then
    headers, the order browsers check them). With ``debug=True`` a refused preflight gets
    ``preflight_status`` and the headers that did pass (no ``Max-Age``), so the browser's console
    names the failing check itself; ``allowed`` stays False.

Private Network Access
    With ``private_network=True``, a preflight carrying ``Access-Control-Request-Private-Network:
    true`` gets ``Access-Control-Allow-Private-Network: true``. With ``private_network=False`` that
    request header is ignored: the preflight is decided on its CORS merits and the answer simply
    lacks the opt-in, which is how the PNA draft lets a server decline (an enforcing browser then
    reports the private-network failure itself; a browser in PNA warning mode still works).
    Current Chromium replaced PNA preflights with a permission prompt (Local Network Access).

The package's modules (internal; import the names below from ``corsway.cors``): ``protocol``
(header names and sets, reading request headers), ``decision`` (``CorsDecision``), ``origins``
(parsing one origin), ``config`` (the error types and field checks), ``matching`` (the origin
table; wildcard, regex and callable origins), ``preflight`` (method and header checks, refusals)
and ``policy`` (``CorsPolicy``, ``decide()``).
"""

from __future__ import annotations

from corsway.cors.config import CorsConfigError, CorsConfigProblem
from corsway.cors.decision import CorsDecision
from corsway.cors.policy import CorsPolicy
from corsway.cors.protocol import ALLOW_CREDENTIALS as ALLOW_CREDENTIALS
from corsway.cors.protocol import ALLOW_HEADERS as ALLOW_HEADERS
from corsway.cors.protocol import ALLOW_METHODS as ALLOW_METHODS
from corsway.cors.protocol import ALLOW_ORIGIN as ALLOW_ORIGIN
from corsway.cors.protocol import ALLOW_PRIVATE_NETWORK as ALLOW_PRIVATE_NETWORK
from corsway.cors.protocol import EXPOSE_HEADERS as EXPOSE_HEADERS
from corsway.cors.protocol import MAX_AGE as MAX_AGE
from corsway.cors.protocol import RESPONSE_HEADERS as RESPONSE_HEADERS
from corsway.cors.protocol import VARY as VARY

__all__ = ["CorsConfigError", "CorsConfigProblem", "CorsDecision", "CorsPolicy"]
