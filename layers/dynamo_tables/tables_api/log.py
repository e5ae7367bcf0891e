"""The one logger of every function: Powertools' JSON records, service name from
``POWERTOOLS_SERVICE_NAME`` (the stack's name, set by the template)."""

from aws_lambda_powertools import Logger

logger = Logger()
