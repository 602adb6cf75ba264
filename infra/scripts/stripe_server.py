"""localstripe (a stateful local Stripe server from PyPI) on loopback, in memory.

Its own command binds every interface and pickles its state to a fixed file in /tmp
on each change (two runs would share it); here it listens on 127.0.0.1 only and
keeps nothing on disk.
Usage: stripe_server.py PORT   (not named localstripe.py: that would shadow the package)
"""
import socket
import sys

from aiohttp import web
from localstripe import resources
from localstripe.server import app

resources.Store.dump_to_disk = lambda self: None

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", int(sys.argv[1])))
web.run_app(app, sock=sock, print=None, access_log=None)
