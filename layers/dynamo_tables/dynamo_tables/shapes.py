"""Names for the DynamoDB shapes that cross this package's modules.

They are the boto3 stubs' own types, which only the type checker reads: the layer does not
ship the stubs, and at run time an item is a plain ``dict``.
"""

from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

    AttributeValue: TypeAlias = AttributeValueTypeDef
else:
    AttributeValue = dict

AttributeMap: TypeAlias = dict[str, AttributeValue]
"""An item, or a key, in DynamoDB's typed JSON: ``{"IndexKey": {"S": "hello"}}``."""

Params: TypeAlias = dict[str, Any]
"""The keyword arguments of one DynamoDB operation: ``TableName``, ``Key``, expressions..."""

Answer: TypeAlias = dict[str, Any]
"""What one DynamoDB operation returned, as boto3 gives it (``Item``, ``Items``, ...)."""
