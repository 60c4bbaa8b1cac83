package dev.starling.daemon.http;

import io.netty.handler.codec.http.HttpResponseStatus;

/** An API error: the HTTP status and the {@code {"error":{"code","message"}}} it is answered with. */
public final class ApiException extends RuntimeException {

    private final HttpResponseStatus status;
    private final String code;

    public ApiException(HttpResponseStatus status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(HttpResponseStatus.BAD_REQUEST, "bad_request", message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(HttpResponseStatus.NOT_FOUND, "not_found", message);
    }

    public static ApiException typeConflict(String message) {
        return new ApiException(HttpResponseStatus.CONFLICT, "type_conflict", message);
    }

    public static ApiException unavailable(String message) {
        return new ApiException(HttpResponseStatus.SERVICE_UNAVAILABLE, "unavailable", message);
    }

    public HttpResponseStatus status() {
        return status;
    }

    public String code() {
        return code;
    }
}
