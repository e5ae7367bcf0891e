"""Who may call a deployed stack, for every combination of ApiAuth (AWS_IAM, COGNITO, NONE),
ApiKeys (off, on) and CorsAllowedOrigins (none, two origins): each expanded by
aws-sam-translator as CloudFormation receives it (tests/support/translate.py). Routes, scopes
and paths come from template.yaml; nothing here lists them."""

import json
import re
from itertools import product
from typing import Any

import pytest

from devstack.template import ROOT, api_routes, condition_holds, load_template, parameter_values, raw_template
from tests.support.translate import NoManagedPolicies, expand, resources

TEMPLATE = load_template()
RAW = raw_template()
AUTH_MODES = TEMPLATE["Parameters"]["ApiAuth"]["AllowedValues"]
API_KEYS = ["false", "true"]
ORIGINS = "https://app.example.com,http://localhost:5173"
CORS = ["", ORIGINS]
COMBINATIONS = list(product(AUTH_MODES, API_KEYS, CORS))
COMBINATION_IDS = [f"{auth}-keys_{keys}-cors_{'on' if cors else 'off'}" for auth, keys, cors in COMBINATIONS]
POOL_ARN = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123"

READS = {"GET", "HEAD"}
WRITES = {"PUT", "PATCH", "DELETE"}
# The names other engineers build on: the resource server and its two scopes.
READ_SCOPE, WRITE_SCOPE = "tables/read", "tables/write"
# What a browser may send (the API's own headers, x-api-key, and SigV4's) and may read.
ALLOWED_HEADERS = {
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-Match",
    "If-None-Match",
    "x-api-key",
    "X-Amz-Date",
    "X-Amz-Security-Token",
    "X-Amz-Content-Sha256",
}
CALLER_AUTH = {"AWS_IAM", "COGNITO"}  # the security entries that name who calls


def _expand(auth: str, keys: str, cors: str, **more: str) -> dict[str, Any]:
    return expand(ApiAuth=auth, ApiKeys=keys, CorsAllowedOrigins=cors, **more)


def _body(template: dict[str, Any]) -> dict[str, Any]:
    (api,) = resources(template, "AWS::ApiGateway::RestApi").values()
    body: dict[str, Any] = api["Properties"]["Body"]
    return body


def _methods(template: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """``(METHOD, path)`` of every method of the API Gateway definition, OPTIONS included."""
    return {
        (method.upper(), path): definition
        for path, item in _body(template)["paths"].items()
        for method, definition in item.items()
    }


def _security(method: dict[str, Any]) -> dict[str, Any]:
    """A method's security entries as one map (SAM lists an authorizer and the API key apart,
    and API Gateway requires every entry)."""
    merged: dict[str, Any] = {}
    for entry in method.get("security", []):
        merged.update(entry)
    return merged


def _route_scope(method: str, path: str) -> str:
    function = api_routes()[(method, path)]
    route = function.removesuffix("Function")
    return str(RAW["Mappings"]["Routes"][route]["Scope"])


def _holds(condition: str, **parameters: str) -> bool:
    return condition_holds(condition, TEMPLATE, parameters)


# --- every route, every combination -----------------------------------------------------


@pytest.mark.parametrize(("auth", "keys", "cors"), COMBINATIONS, ids=COMBINATION_IDS)
def test_every_route_asks_for_what_the_parameters_say(auth: str, keys: str, cors: str) -> None:
    methods = _methods(_expand(auth, keys, cors))

    for route in api_routes():
        security = _security(methods[route])
        wanted: dict[str, list[str]] = {}
        if auth == "AWS_IAM":
            wanted["AWS_IAM"] = []
        elif auth == "COGNITO":
            wanted["COGNITO"] = [_route_scope(*route)]
        if keys == "true":
            wanted["api_key"] = []
        assert security == wanted, route


def test_reading_routes_need_the_read_scope_and_writing_routes_the_write_scope() -> None:
    # One Scope per row of Mappings.Routes, the only place a route's scope is written.
    for name, row in RAW["Mappings"]["Routes"].items():
        method = row["Method"].upper()
        assert method in READS | WRITES, name
        assert row["Scope"] == (READ_SCOPE if method in READS else WRITE_SCOPE), name


@pytest.mark.parametrize(("auth", "keys", "cors"), COMBINATIONS, ids=COMBINATION_IDS)
def test_no_combination_opens_a_writing_route_unless_api_auth_is_none(
    auth: str, keys: str, cors: str
) -> None:
    # An API key identifies a partner's quota; it does not authenticate a caller. Only
    # ApiAuth=NONE, chosen by name, leaves writing to anyone.
    methods = _methods(_expand(auth, keys, cors))
    writing = [route for route in api_routes() if route[0] in WRITES]

    assert writing
    for route in writing:
        open_to_anyone = not CALLER_AUTH & set(_security(methods[route]))
        assert open_to_anyone == (auth == "NONE"), route


@pytest.mark.parametrize(("auth", "keys", "cors"), COMBINATIONS, ids=COMBINATION_IDS)
def test_no_combination_grants_a_function_more(auth: str, keys: str, cors: str) -> None:
    # The callers' options live in API Gateway and Cognito: every function keeps the role
    # the default stack gives it, and API Gateway still calls it through its resource policy.
    template = _expand(auth, keys, cors)
    default = expand()

    assert resources(template, "AWS::IAM::Role") == resources(default, "AWS::IAM::Role")
    for route, method in _methods(template).items():
        assert "credentials" not in method["x-amazon-apigateway-integration"], route


def _what_callers_meet(template: dict[str, Any]) -> dict[str, Any]:
    body = _body(template)
    return {
        "methods": {route: method.get("security") for route, method in _methods(template).items()},
        "schemes": body.get("securityDefinitions", {}),
        "keys": sorted(
            body["Type"]
            for body in template["Resources"].values()
            if body["Type"] in {"AWS::ApiGateway::UsagePlan", "AWS::ApiGateway::ApiKey"}
        ),
    }


@pytest.mark.parametrize(("auth", "keys", "cors"), COMBINATIONS, ids=COMBINATION_IDS)
def test_the_harness_hands_sam_what_aws_language_extensions_hands_it(auth: str, keys: str, cors: str) -> None:
    # tests/support/translate.py resolves only what SAM reads itself; SAM CLI's port of the
    # AWS::LanguageExtensions transform resolves the whole template, as CloudFormation does.
    # Both must leave callers facing the same API.
    from samcli.lib.cfn_language_extensions.api import process_template
    from samtranslator.translator.transform import transform

    parameters = {"ApiAuth": auth, "ApiKeys": keys, "CorsAllowedOrigins": cors}
    resolved = process_template(RAW, parameter_values(RAW, parameters))
    for resource in resolved["Resources"].values():
        properties = resource.get("Properties", {})
        for packaged in ("CodeUri", "ContentUri") & properties.keys():
            properties[packaged] = "s3://packaged-artifacts/code.zip"
    by_aws = transform(resolved, parameter_values(RAW, parameters), NoManagedPolicies())

    assert _what_callers_meet(by_aws) == _what_callers_meet(_expand(auth, keys, cors))


# --- ApiAuth=COGNITO ----------------------------------------------------------------------


@pytest.mark.parametrize("pool", ["", POOL_ARN])
@pytest.mark.parametrize("auth", AUTH_MODES)
def test_the_cognito_authorizer_exists_only_when_api_auth_is_cognito(auth: str, pool: str) -> None:
    # An authorizer API Gateway would create, unused, needs a pool all the same: none at all
    # unless ApiAuth=COGNITO. It takes the stack's pool, or the one UserPoolArn names.
    definitions = _body(expand(ApiAuth=auth, UserPoolArn=pool)).get("securityDefinitions", {})

    assert ("COGNITO" in definitions) == (auth == "COGNITO")
    if auth == "COGNITO":
        authorizer = definitions["COGNITO"]
        assert (authorizer["name"], authorizer["in"]) == ("Authorization", "header")
        assert authorizer["x-amazon-apigateway-authorizer"] == {
            "type": "cognito_user_pools",
            "providerARNs": [pool or {"Fn::GetAtt": ["UserPool", "Arn"]}],
        }


def test_cognito_creates_a_pool_unless_given_one_and_nothing_when_not_chosen() -> None:
    assert _holds("CreatesUserPool", ApiAuth="COGNITO")
    assert not _holds("CreatesUserPool", ApiAuth="COGNITO", UserPoolArn=POOL_ARN)
    assert not _holds("CreatesUserPool", ApiAuth="AWS_IAM")
    assert not _holds("CreatesUserPool", ApiAuth="NONE")
    cognito = {
        name: body
        for name, body in TEMPLATE["Resources"].items()
        if body["Type"].startswith("AWS::Cognito::")
    }
    assert cognito
    assert {body.get("Condition") for body in cognito.values()} == {"CreatesUserPool"}


def _cognito(resource_type: str) -> list[dict[str, Any]]:
    template = expand(ApiAuth="COGNITO")
    return [body["Properties"] for body in resources(template, resource_type).values()]


def test_the_pool_lets_no_one_sign_up_by_themselves() -> None:
    # A self-service sign-up would give anyone a token: a public API by another name.
    (pool,) = _cognito("AWS::Cognito::UserPool")

    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True


def test_the_resource_server_holds_exactly_the_scopes_the_routes_ask_for() -> None:
    (server,) = _cognito("AWS::Cognito::UserPoolResourceServer")
    scopes = {f"{server['Identifier']}/{scope['ScopeName']}" for scope in server["Scopes"]}

    assert server["Identifier"] == "tables"
    assert scopes == {row["Scope"] for row in RAW["Mappings"]["Routes"].values()} == {READ_SCOPE, WRITE_SCOPE}


def test_the_web_client_is_public_and_uses_the_authorization_code_flow() -> None:
    clients = {client["ClientName"]: client for client in _cognito("AWS::Cognito::UserPoolClient")}
    web = clients["web"]

    assert web["GenerateSecret"] is False  # a browser or a phone cannot keep a secret; PKCE instead
    assert web["AllowedOAuthFlows"] == ["code"]
    assert web["AllowedOAuthFlowsUserPoolClient"] is True
    assert {READ_SCOPE, WRITE_SCOPE} <= set(web["AllowedOAuthScopes"])
    assert web["CallbackURLs"] == {"Ref": "WebClientCallbackUrls"}
    assert web["ExplicitAuthFlows"] == ["ALLOW_REFRESH_TOKEN_AUTH"]  # no password sent to Cognito by the app


def test_the_machine_client_keeps_a_secret_and_uses_client_credentials() -> None:
    clients = {client["ClientName"]: client for client in _cognito("AWS::Cognito::UserPoolClient")}
    machine = clients["machine"]

    assert machine["GenerateSecret"] is True
    assert machine["AllowedOAuthFlows"] == ["client_credentials"]
    assert set(machine["AllowedOAuthScopes"]) == {READ_SCOPE, WRITE_SCOPE}


def test_the_oauth_endpoints_are_on_the_pool_domain() -> None:
    (domain,) = _cognito("AWS::Cognito::UserPoolDomain")
    outputs = TEMPLATE["Outputs"]

    assert domain["Domain"] == {
        "Fn::If": [
            "HasUserPoolDomainPrefix",
            {"Ref": "UserPoolDomainPrefix"},
            {"Fn::Sub": "${AWS::StackName}-${AWS::AccountId}"},
        ]
    }
    for name, endpoint in (("OAuthAuthorizeUrl", "authorize"), ("OAuthTokenUrl", "token")):
        assert outputs[name]["Condition"] == "CreatesUserPool"
        assert outputs[name]["Value"]["Fn::Sub"].endswith(f".amazoncognito.com/oauth2/{endpoint}")


# --- ApiKeys ----------------------------------------------------------------------------


@pytest.mark.parametrize("auth", AUTH_MODES)
@pytest.mark.parametrize("keys", API_KEYS)
def test_api_keys_bring_a_usage_plan_with_the_parameters_limits(auth: str, keys: str) -> None:
    limits = {
        "ApiKeyRateLimit": "7",
        "ApiKeyBurstLimit": "9",
        "ApiKeyQuotaLimit": "1234",
        "ApiKeyQuotaPeriod": "WEEK",
    }
    template = _expand(auth, keys, "", **limits)
    plans = resources(template, "AWS::ApiGateway::UsagePlan")

    assert bool(plans) == (keys == "true")
    assert bool(resources(template, "AWS::ApiGateway::ApiKey")) == (keys == "true")
    if keys == "true":
        ((name, plan),) = plans.items()
        properties = plan["Properties"]
        assert properties["Throttle"] == {"RateLimit": "7", "BurstLimit": "9"}
        assert properties["Quota"] == {"Limit": "1234", "Period": "WEEK"}
        (key,) = resources(template, "AWS::ApiGateway::UsagePlanKey").values()
        assert key["Properties"]["UsagePlanId"] == {"Ref": name}


# --- CORS -------------------------------------------------------------------------------


def _preflights(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {path: method for (verb, path), method in _methods(template).items() if verb == "OPTIONS"}


@pytest.mark.parametrize(("auth", "keys", "cors"), COMBINATIONS, ids=COMBINATION_IDS)
def test_api_gateway_answers_every_preflight_itself_with_no_auth(auth: str, keys: str, cors: str) -> None:
    preflights = _preflights(_expand(auth, keys, cors))
    paths = {path for _, path in api_routes()}

    assert set(preflights) == (paths if cors else set())
    for path, preflight in preflights.items():
        assert "security" not in preflight, path  # no signature, token or key asked of a preflight
        integration = preflight["x-amazon-apigateway-integration"]
        assert integration["type"] == "mock", path  # no function runs
        # BinaryMediaTypes */* makes every request binary: a mock's template would not run.
        assert integration["contentHandling"] == "CONVERT_TO_TEXT", path
        assert integration["responses"]["default"]["contentHandling"] == "CONVERT_TO_TEXT", path


def _preflight_headers(path: str) -> dict[str, Any]:
    preflight = _preflights(_expand("AWS_IAM", "false", ORIGINS))[path]
    parameters = preflight["x-amazon-apigateway-integration"]["responses"]["default"]["responseParameters"]
    return {name.removeprefix("method.response.header."): value for name, value in parameters.items()}


@pytest.mark.parametrize("path", sorted({path for _, path in api_routes()}))
def test_a_preflight_allows_the_api_headers_and_the_methods_of_its_path(path: str) -> None:
    headers = _preflight_headers(path)
    declared = {method for method, route_path in api_routes() if route_path == path}

    assert {
        name.strip() for name in headers["Access-Control-Allow-Headers"].strip("'").split(",")
    } == ALLOWED_HEADERS
    assert declared <= set(headers["Access-Control-Allow-Methods"].strip("'").split(","))
    assert headers["Vary"] == "'Origin'"
    assert "Access-Control-Allow-Origin" not in headers  # set by the template below, per origin


def _origin_template(path: str) -> str:
    preflight = _preflights(_expand("AWS_IAM", "false", ORIGINS))[path]
    templates = preflight["x-amazon-apigateway-integration"]["responses"]["default"]["responseTemplates"]
    text: str = templates["application/json"]["Fn::Sub"]
    return text


@pytest.mark.parametrize("path", sorted({path for _, path in api_routes()}))
def test_a_preflight_names_only_an_allowed_origin(path: str) -> None:
    # Access-Control-Allow-Origin holds one origin: the mapping template sets it to the
    # request's Origin only when that origin is one of the list (a whole item: no comma in
    # it, which could span two), and else sets nothing.
    text = _origin_template(path)

    assert "${CorsAllowedOrigins}" in text
    assert text.count("$context.responseOverride.header.Access-Control-Allow-Origin") == 1
    assert re.search(
        r'#if\("\$!origin" != "" && !\$origin\.contains\(","\) && '
        r'",\$\{CorsAllowedOrigins\},"\.contains\(",\$origin,"\)\)'
        r"#set\(\$context\.responseOverride\.header\.Access-Control-Allow-Origin = \$origin\)#end",
        text,
    ), text


@pytest.mark.parametrize("origins", ["https://a.example.com", ORIGINS, "http://localhost:5173"])
def test_the_origins_parameter_takes_origins(origins: str) -> None:
    assert re.fullmatch(TEMPLATE["Parameters"]["CorsAllowedOrigins"]["AllowedPattern"], origins)


@pytest.mark.parametrize(
    "origins",
    ["*", "https://a.example.com/", "https://a.example.com, https://b.example.com", "a.example.com", '"x"'],
)
def test_the_origins_parameter_refuses_what_is_no_origin(origins: str) -> None:
    # Nothing that could end the mapping template's string, and no wildcard.
    assert not re.fullmatch(TEMPLATE["Parameters"]["CorsAllowedOrigins"]["AllowedPattern"], origins)


def test_every_function_gets_the_allowed_origins() -> None:
    # The layer answers CORS on the functions' own answers (tables_api), from this variable.
    for name, function in resources(expand(CorsAllowedOrigins=ORIGINS), "AWS::Lambda::Function").items():
        assert function["Properties"]["Environment"]["Variables"]["CORS_ALLOWED_ORIGINS"] == {
            "Ref": "CorsAllowedOrigins"
        }, name


# --- API Gateway's own answers ----------------------------------------------------------------


@pytest.mark.parametrize(("auth", "keys", "cors"), COMBINATIONS, ids=COMBINATION_IDS)
def test_api_gateway_own_answers_carry_cors_when_it_is_on(auth: str, keys: str, cors: str) -> None:
    answers = _body(_expand(auth, keys, cors))["x-amazon-apigateway-gateway-responses"]

    assert {"UNAUTHORIZED", "ACCESS_DENIED", "INVALID_API_KEY", "THROTTLED", "QUOTA_EXCEEDED"} <= set(answers)
    assert {"DEFAULT_4XX", "DEFAULT_5XX"} <= set(answers)
    for kind, answer in answers.items():
        headers = answer["responseParameters"]
        # Resolved by CloudFormation at deploy time: the caller's Origin, whatever it is (a
        # gateway response has no condition of its own), or no header at all.
        assert headers["gatewayresponse.header.Access-Control-Allow-Origin"] == {
            "Fn::If": ["HasCors", "method.request.header.origin", {"Ref": "AWS::NoValue"}]
        }, kind
        assert headers["gatewayresponse.header.Vary"] == {
            "Fn::If": ["HasCors", "'Origin'", {"Ref": "AWS::NoValue"}]
        }, kind
        assert headers["gatewayresponse.header.Content-Type"] == "'application/problem+json'", kind


def test_a_missing_or_invalid_token_is_a_401_problem_that_names_the_scheme() -> None:
    answers = _body(expand(ApiAuth="COGNITO"))["x-amazon-apigateway-gateway-responses"]
    unauthorized = answers["UNAUTHORIZED"]

    assert unauthorized["statusCode"] == "401"
    assert unauthorized["responseParameters"]["gatewayresponse.header.WWW-Authenticate"] == "'Bearer'"
    assert json.loads(unauthorized["responseTemplates"]["application/json"])["status"] == 401


def test_the_defaults_catch_every_other_answer_without_changing_its_status() -> None:
    # A status on DEFAULT_4XX or DEFAULT_5XX would become the status of every answer of
    # that class that has no entry of its own.
    answers = _body(expand())["x-amazon-apigateway-gateway-responses"]

    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        assert "statusCode" not in answers[kind], kind


# --- a plain sam deploy ----------------------------------------------------------------------


def test_the_template_defaults_are_the_safe_ones() -> None:
    parameters = TEMPLATE["Parameters"]

    assert parameters["ApiAuth"]["Default"] == "AWS_IAM"
    assert parameters["ApiKeys"]["Default"] == "false"
    assert parameters["CorsAllowedOrigins"]["Default"] == ""
    assert parameters["UserPoolArn"]["Default"] == ""


def test_the_readme_says_what_each_caller_sends() -> None:
    section = (ROOT / "README.md").read_text().split("## Callers", 1)[1].split("\n## ", 1)[0]

    for words in (
        "Cognito access token",
        "x-api-key",
        "SigV4",
        "execute-api:Invoke",
        READ_SCOPE,
        WRITE_SCOPE,
    ):
        assert words in section, words
