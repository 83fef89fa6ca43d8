"""Label sheets: the format catalogue, the account's own formats, the printer calibration and the test grid."""
