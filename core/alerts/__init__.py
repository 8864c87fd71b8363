"""Safety alerts (预警提示): staff warn every consenting resident of an area with one message."""
