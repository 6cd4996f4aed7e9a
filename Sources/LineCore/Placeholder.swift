// Placeholder: the LineCore SDK layer is being written on the sdk branch.
public enum LineCorePlaceholder {}
