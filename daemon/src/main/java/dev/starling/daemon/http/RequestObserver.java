package dev.starling.daemon.http;

/** Told of each request: its route template (or {@code "other"}), method, status and time. */
@FunctionalInterface
public interface RequestObserver {
    void record(String route, String method, int status, long nanos);
}
