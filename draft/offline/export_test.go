package offline

// BrokenShapes lets the external tests look for the known broken shapes too.
var BrokenShapes = brokenShapes

// FullWidth exposes fullWidth to the external tests.
var FullWidth = fullWidth
