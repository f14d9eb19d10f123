"""Every API error as one JSON body ``{"error": {"code", "message", "request_id"}}``."""

from __future__ import annotations

from typing import Any, Final

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.exceptions import PermissionDeniedException as _Forbidden
from litestar.exceptions.http_exceptions import NotFoundException as _LitestarNotFound

from finscribe import errors, logs

log = logs.get_logger(__name__)

#: Stable codes for plain HTTP statuses raised by the framework itself.
_STATUS_CODES: Final = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "FILE_TOO_LARGE",
    415: "UNSUPPORTED_TYPE",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


class ApiError(HTTPException):
    """An HTTP error with a stable machine-readable code."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(status_code=status_code, detail=message)
        self.code = code
        self.message = message


class NotFound(ApiError):
    def __init__(self, what: str = "resource") -> None:
        super().__init__(404, "NOT_FOUND", f"{what} not found")


class Forbidden(ApiError):
    def __init__(self, message: str = "this key's role may not do that") -> None:
        super().__init__(403, "FORBIDDEN", message)


class Unauthorized(ApiError):
    def __init__(self, message: str = "a valid API key is required (Authorization: Bearer ...)"):
        super().__init__(401, "UNAUTHORIZED", message)


class BadRequest(ApiError):
    def __init__(self, message: str, code: str = "VALIDATION_ERROR") -> None:
        super().__init__(400, code, message)


def request_id_of(request: Request[Any, Any, Any]) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


def error_response(
    request: Request[Any, Any, Any], status: int, code: str, message: str
) -> Response[dict[str, Any]]:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return Response(
        {"error": {"code": code, "message": message, "request_id": request_id_of(request)}},
        status_code=status,
        headers=headers,
    )


def handle_api_error(request: Request[Any, Any, Any], exc: ApiError) -> Response[dict[str, Any]]:
    return error_response(request, exc.status_code, exc.code, exc.message)


def handle_finscribe_error(
    request: Request[Any, Any, Any], exc: errors.FinscribeError
) -> Response[dict[str, Any]]:
    if exc.http_status >= 500:
        log.warning("request failed", code=exc.code, error=exc.message)
    return error_response(request, exc.http_status, exc.code, exc.message)


def handle_validation(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[dict[str, Any]]:
    message = str(exc.detail)
    if isinstance(exc.extra, list) and exc.extra:
        parts = []
        for item in exc.extra:
            if isinstance(item, dict):
                parts.append(f"{item.get('key', '')}: {item.get('message', '')}".strip(": "))
        if parts:
            message = "; ".join(parts)
    return error_response(request, 400, "VALIDATION_ERROR", message)


def handle_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    status = exc.status_code
    code = _STATUS_CODES.get(status, "HTTP_ERROR")
    message = str(exc.detail)
    if status == 413:
        message = "the upload is larger than the limit"
    return error_response(request, status, code, message)


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.error("unhandled error", error_type=type(exc).__name__, exc_info=exc)
    return error_response(request, 500, "INTERNAL_ERROR", "internal error")


EXCEPTION_HANDLERS: Final[dict[Any, Any]] = {
    ApiError: handle_api_error,
    errors.FinscribeError: handle_finscribe_error,
    ValidationException: handle_validation,
    NotAuthorizedException: handle_http,
    _Forbidden: handle_http,
    _LitestarNotFound: handle_http,
    HTTPException: handle_http,
    Exception: handle_unexpected,
}
