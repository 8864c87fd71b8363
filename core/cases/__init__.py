"""Cases (诉求): filing, routing, working and closing them, every step recorded."""
