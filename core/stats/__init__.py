"""Statistics for leaders: periods, scopes, figures, their texts and the weekly chart."""
