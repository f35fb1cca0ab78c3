"""The people side: workforce (recruitment, attrition, tenure), membership (joins and opt-outs
per rule and constituency) and engagement (the ladder, ownership, satisfaction, confidence)."""
