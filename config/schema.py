"""The schema's shared error contract, added to every operation by a postprocessing hook.

Every operation documents 401, 403, 404 and 429 (and 400 when it takes parameters or a body)
with the one error body ``{"code", "message", "details"}``; a 4xx a view documents without a
body gets it too. A view still documents its own, more precise, error bodies (publishing).
"""

ERROR_COMPONENT = "ErrorBody"
ERROR_SCHEMA = {
    "type": "object",
    "description": "The error body of every 4xx answer.",
    "required": ["code", "message", "details"],
    "properties": {
        "code": {"type": "string", "description": "Machine-readable code, e.g. not_found."},
        "message": {"type": "string", "description": "What went wrong, in the request's language."},
        "details": {
            "type": "object",
            "additionalProperties": {},
            "description": "Per field (or non_field_errors), a list of {code, message}; may be empty.",
        },
    },
}
STANDARD_ERRORS = {
    "400": "Invalid input: details names each field.",
    "401": "Not authenticated: no or wrong credentials.",
    "403": "Authenticated, but without the permission this needs.",
    "404": "Not found.",
    "429": "Too many requests: retry after the Retry-After header's seconds.",
}
METHODS = {"get", "post", "put", "patch", "delete"}


def _takes_input(operation: dict) -> bool:
    return bool(operation.get("requestBody")) or any(
        parameter.get("in") == "query" for parameter in operation.get("parameters", [])
    )


def error_responses_hook(result: dict, generator, request, public) -> dict:
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            for parameter in operation.get("parameters", []):
                # An optional query parameter sent empty (``?audience=``, as an HTML form sends
                # an unset field) is the same as leaving it out (DRF's form semantics).
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
            responses = operation.setdefault("responses", {})
            for status, description in STANDARD_ERRORS.items():
                if status == "400" and not _takes_input(operation):
                    continue
                responses.setdefault(status, {"description": description})
            for status, response in responses.items():
                if status.startswith("4") and not response.get("content"):
                    response["content"] = reference
                    response["description"] = response.get("description") or STANDARD_ERRORS.get(status, "")
    return result
