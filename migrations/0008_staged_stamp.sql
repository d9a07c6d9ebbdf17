-- The stamp of the staged copy package-add wrote of a validated archive (device, inode, size, modification and change
-- times): a staged file that still has it is that very copy, which the publish takes without reading it again. Rows
-- written before have none: their staged files are hashed, as then.
ALTER TABLE archive_metadata ADD COLUMN staged_stamp TEXT;
