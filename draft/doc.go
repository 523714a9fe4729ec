// Package draft turns a writer's structured figures into a highlighted draft whose every number is a figure the writer gave.
package draft
