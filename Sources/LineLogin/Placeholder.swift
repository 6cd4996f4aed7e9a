import LineCore

// Placeholder: LineLogin is being written on the sdk branch.
public enum LineLoginPlaceholder {}
