"""The reference: a bare Flask "hello world", served with the same gunicorn settings as the portal."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    """One short text response: what Flask and gunicorn cost by themselves."""
    return "Hello, World!"
