"""wirebeam's pipeline stages, one module (or package) per stage.

read -> parse -> normalize -> language -> write; every stage sends what it
cannot handle to the dead-letter output (see ``dead_letters``).
"""
