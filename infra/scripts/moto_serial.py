"""moto's server, answering one request at a time, on loopback.

moto's TransactWriteItems snapshots whole tables and restores the snapshot when a
transaction fails a condition, which silently undoes writes that other threads made
meanwhile. Real DynamoDB does no such thing; serving requests one at a time keeps the
emulator faithful when many tests (or a busy `make run`) write at once.

Usage: python moto_serial.py PORT
"""
import sys

from werkzeug.serving import run_simple

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app


def main() -> None:
    port = int(sys.argv[1])
    app = DomainDispatcherApplication(create_backend_app)
    run_simple("127.0.0.1", port, app, threaded=False, use_reloader=False)


if __name__ == "__main__":
    main()
