"""Follow-ups after resolution (次日回访, 满意度测评) and repeat visits (定期回访)."""
