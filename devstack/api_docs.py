"""The API reference page: Swagger UI (npm ``swagger-ui-dist``, bundled) over openapi.yaml.

``make start`` serves it at ``/docs``. The spec is served with its ``servers`` replaced by
the origin the page was loaded from, so "Try it out" calls the API that served the page.
Assets are linked under ``base`` (``/docs`` locally), never from a CDN.
"""

import json
from pathlib import Path
from typing import Any

import yaml

from devstack.dynamodb_local import SetupError
from devstack.template import ROOT

# A path of make start's API only (README, "Local development"): no route of the template.
DOCS_PATH = "/docs"
LOCAL_SERVER = "this local API (make start)"
SWAGGER_UI_DIR = ROOT / "node_modules" / "swagger-ui-dist"
OPENAPI_PATH = ROOT / "openapi.yaml"
# The files of swagger-ui-dist the page loads, and their media types.
ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "favicon-32x32.png": "image/png",
}
SPEC = "openapi.json"
OPERATIONS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
INITIALIZER = "initializer.js"


def require_installed() -> None:
    """Fail at start, in one line, rather than serve a page without its files."""
    missing = [name for name in ASSETS if not (SWAGGER_UI_DIR / name).is_file()]
    if missing:
        raise SetupError(f"Swagger UI is not installed ({', '.join(missing)}): run `make deps`")


def asset(name: str) -> Path | None:
    """The file of one of the page's assets, or None for any other name."""
    return SWAGGER_UI_DIR / name if name in ASSETS else None


def index_html(base: str) -> str:
    """The page; ``base`` is the path it is served under (``/docs``), without a final slash.
    Absolute links, so ``/docs`` and ``/docs/`` both work."""
    return f"""<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>DynamoDB tables over HTTP: API reference</title>
    <link rel="stylesheet" href="{base}/swagger-ui.css">
    <link rel="icon" type="image/png" href="{base}/favicon-32x32.png">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="{base}/swagger-ui-bundle.js" charset="utf-8"></script>
    <script src="{base}/{INITIALIZER}" charset="utf-8"></script>
  </body>
</html>
"""


def initializer_js(base: str) -> str:
    """Swagger UI's settings: this spec, no online validator badge (it would call out)."""
    settings = {"url": f"{base}/{SPEC}", "dom_id": "#swagger-ui", "validatorUrl": None}
    return f"window.ui = SwaggerUIBundle({json.dumps(settings)});\n"


def spec(server_url: str, description: str) -> dict[str, Any]:
    """openapi.yaml with one server, the API this page is served by, and each path's
    parameters moved into its operations.

    The same description: a path item's parameters are its operations' (OpenAPI 3.1,
    "Path Item Object"). Swagger UI 5 resolves a ``$ref`` only inside the operation it
    shows, so a path-level ``$ref: "#/components/parameters/Key"`` stayed an empty field
    and "Try it out" had no key to fill.
    """
    document: dict[str, Any] = yaml.safe_load(OPENAPI_PATH.read_text())
    document["servers"] = [{"url": server_url, "description": description}]
    for item in document["paths"].values():
        shared = item.pop("parameters", [])
        for method in OPERATIONS & item.keys():
            own = item[method].get("parameters", [])
            item[method]["parameters"] = [parameter for parameter in shared if parameter not in own] + own
    return document
