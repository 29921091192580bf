"""Policy levers (MODEL.md section 3): leadership stability, regulation, incentives."""
